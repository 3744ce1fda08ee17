#!/usr/bin/env bash
# Render one answer combination from this checkout into DEST, then install it
# and run its own checks and every test, as a user would:
#   .github/scripts/render-suite.sh BACKEND DATABASE HTTP_API DEST
# BACKEND=existing renders onto a copy of a sample backend (tests/samples:
# warehouse on SQLite, billing on PostgreSQL through psycopg) and adopts the
# suite with the command docs/testing.md gives (HTTP_API is not asked then).
set -euo pipefail
backend=$1 database=$2 http_api=$3 dest=$4
template=$(pwd)
copier=(uv run copier copy --defaults --vcs-ref HEAD --data "database=$database")

case "$backend-$database" in
    existing-sqlite)
        sample=warehouse
        seams=(base_import=warehouse.db:Model session_import=warehouse.db:open_session
            unit_of_work_import=warehouse.uow:unit_of_work entities_module=warehouse.domain
            engine_dispose_import=warehouse.db:close_engine) ;;
    existing-postgresql)
        sample=billing
        seams=(base_import=billing.db:Base session_import=billing.db:session_scope
            unit_of_work_import=billing.uow:BillingUnitOfWork entities_module=billing.db
            engine_dispose_import=billing.db:shutdown) ;;
    *)
        "${copier[@]}" --data "http_api=$http_api" "$template" "$dest"
        cd "$dest"
        uv sync
        uv run ruff check .
        uv run ruff format --check .
        uv run mypy
        exec uv run pytest -m "" ;;
esac

cp -r "tests/samples/$sample" "$dest"
"${copier[@]}" --data backend=existing --data "package_name=$sample" \
    "${seams[@]/#/--data=}" "$template" "$dest"
cd "$dest"
# The first bash block of the generated docs' "Adopting" section, verbatim.
awk '/^## Adopting/ {section = 1} section && /^```bash$/ {block = 1; next}
     block && /^```$/ {exit} block {print}' docs/testing.md | bash -e
uv run pytest -m ""
