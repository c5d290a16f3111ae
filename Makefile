# The two commands of the README: `make run` and `make test`. Both set everything up.
.PHONY: run test bootstrap lint bench

bootstrap:
	@bash scripts/bootstrap.sh

run: bootstrap
	.venv/bin/onegrid serve

test: bootstrap
	.venv/bin/pytest -q

lint: bootstrap
	.venv/bin/ruff check .

bench: bootstrap
	.venv/bin/python -m bench
