#!/usr/bin/env bash
# Distributed training with torchrun: one process per GPU (or, on a machine
# without GPUs, per CPU worker over gloo).
#
#   bash tools/dist_train.sh CONFIG NUM_PROCS [train.py options...]
#
# Several machines: run the same command on each, with
#   NNODES=<machines> NODE_RANK=<0..NNODES-1> MASTER_ADDR=<host of rank 0>
#   PORT=<free port, the same everywhere>
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCS [train.py options...]" >&2
    exit 2
fi
CONFIG=$1
NUM_PROCS=$2
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
    "$TOOLS/train.py" "$CONFIG" --launcher pytorch "${@:3}"
