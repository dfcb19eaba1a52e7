#!/usr/bin/env bash
# A long-lived Azurite (the Azure Storage emulator) that several test runs share.
#
#   .ci/azurite.sh start        install the pinned version if needed, start it on loopback, wait
#   .ci/azurite.sh stop         stop the instance this script started (by its PID file)
#   .ci/azurite.sh connection   print its connection string (for SPCHECK_TEST_AZURITE)
#
# The test suite does not need this: without SPCHECK_TEST_AZURITE it starts its own Azurite
# for the run. tests/azurite.py does the work (the same code as the suite's), with the
# standard library alone: ports 10000 to 10002 (AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT,
# AZURITE_TABLE_PORT), three free ones when a default port is taken; the package installed
# from npm into ~/.cache/spcheck/azurite; PID, ports and data location in .ci/.cache.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exec python3 "$root/tests/azurite.py" "$@"
