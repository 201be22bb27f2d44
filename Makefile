# Shortcuts for dev.py, which needs only Python >= 3.11 and creates .venv itself.
PYTHON ?= python3

.PHONY: book test integration lab strip labs bench
book:   ; $(PYTHON) dev.py book
test:   ; $(PYTHON) dev.py test
integration: ; $(PYTHON) dev.py integration
lab:    ; $(PYTHON) dev.py lab
strip:  ; $(PYTHON) dev.py strip
labs:   ; $(PYTHON) dev.py labs
bench:  ; $(PYTHON) dev.py bench
