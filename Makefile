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

bench:
	@ONEGRID_BENCH=1 bash scripts/bootstrap.sh
	.venv/bin/python -m bench.report
