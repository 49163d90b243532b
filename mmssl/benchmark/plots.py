"""PNG figures of a suite, from its results and MMEngine's scalar logs:
Dice per method and budget (every seed a point, mean +- std a bar), the
training loss and the validation Dice over iterations."""
import glob
import json
import math
import os.path as osp

import matplotlib

matplotlib.use('Agg')  # files only; no display on servers
import matplotlib.pyplot as plt  # noqa: E402

from .runs import FINISHED  # noqa: E402
from .selection import describe_selection  # noqa: E402


def read_scalars(run_dir):
    """(training entries, validation entries) of a run, by iteration.

    MMEngine writes ``<timestamp>/vis_data/scalars.json`` (JSON lines) per
    process start, so a resumed run has several; later starts win for an
    iteration logged twice. Training lines carry ``loss``, validation lines
    the metrics (``dice``, ...) and no loss.
    """
    train, val = {}, {}
    for path in sorted(
            glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill
                step = entry.get('step')
                if step is None:
                    continue
                if 'loss' in entry:
                    train[step] = entry
                elif 'dice' in entry:
                    val[step] = entry
    return ([train[s] for s in sorted(train)], [val[s] for s in sorted(val)])


def _title(suite, text):
    title = f'{suite.name}: {text}\ncheckpoint: ' + describe_selection(
        suite.selection)
    return title


def _colors(suite):
    cmap = plt.get_cmap('tab10')
    return {m.name: cmap(i % 10) for i, m in enumerate(suite.methods)}


def plot_dice(suite, rows, path):
    """Dice (%) per method and budget; seeds as points, mean +- std."""
    colors = _colors(suite)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.1 * len(rows) + 1.5), 4.2))
    published_label = 'published'
    for x, row in enumerate(rows):
        values = [v * 100 for v in row['dice_runs'] if not math.isnan(v)]
        color = colors[row['method']]
        if values:
            offsets = [(i - (len(values) - 1) / 2) * 0.08
                       for i in range(len(values))]
            ax.scatter([x + o for o in offsets], values, color=color,
                       alpha=0.6, s=18, zorder=3)
            ax.errorbar([x], [row['dice_mean'] * 100],
                        yerr=[row['dice_std'] * 100], color='black',
                        marker='_', markersize=18, capsize=5, zorder=4)
        published = row.get('published_dice')
        if published is not None:
            ax.scatter([x + 0.3], [published], marker='*', s=70,
                       color='grey', zorder=3, label=published_label)
            published_label = None
    ax.set_xlim(-0.6, len(rows) - 0.3)  # room for the published star
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels([f'{r["label"]}\n{r["budget"]} labeled' for r in rows],
                       fontsize=8)
    ax.set_ylabel('Dice (%)')
    ax.grid(axis='y', alpha=0.3)
    if any(r.get('published_dice') is not None for r in rows):
        ax.legend(fontsize=8)
    ax.set_title(_title(suite, 'test Dice per seed, mean ± std'), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_curves(suite, runs, states, path, key):
    """One line per run: ``key='loss'`` (training) or ``'dice'`` (val).

    Returns ``path``, or None when no run logged ``key``.
    """
    colors = _colors(suite)
    styles = ['-', '--', ':', '-.']
    budgets = suite.budgets
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    labelled, drawn = set(), False
    for run in runs:
        state = states.get(run.key)
        if state is None or not osp.isdir(run.run_dir):
            continue
        train, val = read_scalars(run.run_dir)
        entries = train if key == 'loss' else val
        points = [(e['step'], e[key]) for e in entries
                  if isinstance(e.get(key), (int, float))]
        if not points:
            continue
        name = f'{run.method.label}, {run.budget}'
        scale = 100 if key == 'dice' else 1
        ax.plot([p[0] for p in points], [p[1] * scale for p in points],
                color=colors[run.method.name],
                linestyle=styles[budgets.index(run.budget) % len(styles)],
                alpha=0.8 if state.state == FINISHED else 0.4,
                linewidth=1, label=None if name in labelled else name)
        labelled.add(name)
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xlabel('iteration')
    if key == 'loss':
        ax.set_ylabel('training loss')
        ax.set_yscale('log')
        what = 'training loss (every seed a line)'
    else:
        ax.set_ylabel('validation Dice (%)')
        what = 'validation Dice during training (every seed a line)'
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(_title(suite, what), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_plots(suite, rows, runs, states, out_dir):
    """dice, loss_curves and (with validation) val_dice PNGs; their
    paths."""
    suffix = ('' if suite.selection['mode'] == 'last' else
              f'_{suite.selection["mode"]}')
    paths = [plot_dice(suite, rows, osp.join(out_dir, f'dice{suffix}.png'))]
    for key, name in (('loss', 'loss_curves'), ('dice', 'val_dice')):
        path = plot_curves(suite, runs, states,
                           osp.join(out_dir, f'{name}{suffix}.png'), key)
        if path:
            paths.append(path)
    return paths
