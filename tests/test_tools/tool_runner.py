"""Run the tools as a user does, in a subprocess (or import one)."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_tool(tool):
    """Import ``tools/<tool>`` (e.g. 'analysis_tools/loss_scale.py') as a
    module, to call its functions in-process."""
    name = '_tool_' + tool.replace('/', '_').replace('.py', '')
    spec = importlib.util.spec_from_file_location(
        name, osp.join(REPO, 'tools', tool))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(tool, *args, cwd=REPO, env=None):
    env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', tool), *map(str, args)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def run_script(script, *args, env=None):
    """Run ``tools/<script>`` (a launcher shell script) with bash."""
    env = dict(os.environ, OMP_NUM_THREADS='1', **(env or {}))
    return subprocess.run(
        ['bash', osp.join(REPO, 'tools', script), *map(str, args)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def free_port():
    """A TCP port nobody listens on right now (for torchrun)."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def assert_ok(result):
    assert result.returncode == 0, (result.stdout[-3000:] +
                                    result.stderr[-5000:])


def tiny_version(config, tmp_path, tiny='tiny_semi.py', extra=''):
    """``config`` with the seconds-long settings of
    ``tests/data/configs/<tiny>`` on top (its ``_base_`` line swapped for
    the config), plus ``extra`` config text. ``tiny`` may be a sequence of
    such files, applied in order."""
    layers = [tiny] if isinstance(tiny, str) else list(tiny)
    path = osp.join(REPO, str(config))
    for depth, layer in enumerate(layers):
        text = open(osp.join(REPO, 'tests', 'data', 'configs', layer)).read()
        base_line = next(line for line in text.splitlines()
                         if line.startswith('_base_'))
        text = text.replace(base_line, f'_base_ = [{str(path)!r}]')
        if depth == len(layers) - 1:
            text += extra
        path = tmp_path / f'tiny{depth}_{osp.basename(str(config))}'
        path.write_text(text)
    return path
