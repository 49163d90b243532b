"""Run the tools as a user does, in a subprocess."""
import os
import os.path as osp
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_tool(tool, *args, cwd=REPO, env=None):
    env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', tool), *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def assert_ok(result):
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-5000:])
