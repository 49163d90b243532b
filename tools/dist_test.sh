#!/usr/bin/env bash
# Distributed testing with torchrun: the test cases are split over the
# processes and the metrics gathered, each case counted once.
#
#   bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [test.py options...]
#
# Several machines: NNODES, NODE_RANK, MASTER_ADDR and PORT as for
# dist_train.sh.
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCS [test.py options...]" >&2
    exit 2
fi
CONFIG=$1
CHECKPOINT=$2
NUM_PROCS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
TOOLS=$(cd "$(dirname "$0")" && pwd)

PYTHONPATH="$TOOLS/..${PYTHONPATH:+:$PYTHONPATH}" \
python -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --master_port="$PORT" \
    --nproc_per_node="$NUM_PROCS" \
    "$TOOLS/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
