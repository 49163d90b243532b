"""The leaderboard of a suite: mean +- std over seeds per method and budget,
the published figures beside ours, the protocol switches of the runs, and
every run that did not finish."""
import csv
import math
import os.path as osp
from collections import OrderedDict

from .published import METRIC_KEYS, SOURCES
from .runs import FINISHED
from .selection import TEST_SET_WARNING, describe_selection

# Dice and Jaccard are fractions in the results; the leaderboard shows
# percent, as the papers do.
SCALE = dict(dice=100.0, jaccard=100.0, hd95=1.0, asd=1.0)
HEADERS = dict(dice='Dice (%)', jaccard='Jaccard (%)', hd95='95HD',
               asd='ASD')


def mean_std(values):
    """Mean and population std (ddof=0) of the non-NaN values, or NaNs."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return float('nan'), float('nan')
    mean = sum(values) / len(values)
    return mean, math.sqrt(sum((v - mean)**2 for v in values) / len(values))


def run_metric(result, key):
    entry = result['metrics']['metrics'].get(key) or {}
    value = entry.get('mean')
    return float('nan') if value is None else float(value)


def _switch_text(values):
    values = list(OrderedDict.fromkeys(str(v) for v in values))
    return '/'.join(values) if values else ''


def aggregate(suite, states):
    """One row per (method, budget) of the suite, in suite order.

    ``states`` maps ``(method, budget, seed)`` to a ``RunState``.
    """
    rows = []
    for method in suite.methods:
        for budget in method.configs:
            cell = [(key, state) for key, state in states.items()
                    if key[0] == method.name and key[1] == budget]
            if not cell:
                continue
            results = [s.result for _, s in cell if s.state == FINISHED]
            row = OrderedDict(
                method=method.name, label=method.label, budget=budget,
                seeds_finished=len(results), seeds_total=len(cell),
                seeds=[r['seed'] for r in results])
            for key in METRIC_KEYS:
                values = [run_metric(r, key) for r in results]
                row[f'{key}_runs'] = values
                row[f'{key}_mean'], row[f'{key}_std'] = mean_std(values)
            published = method.published.get(budget, {})
            for key in METRIC_KEYS:
                row[f'published_{key}'] = published.get(key)
            row['published_source'] = (
                published.get('source') or SOURCES.get(method.published_key)
                if published else None)
            switches = [r['switches'] for r in results]
            row['checkpoint'] = (_switch_text(s['checkpoint']
                                              for s in switches)
                                 or describe_selection(suite.selection))
            row['test_set_selection'] = (
                suite.selection['mode'] == 'test-best'
                or any(s['test_set_selection'] for s in switches))
            row['largest_component'] = _switch_text(
                s['largest_component'] for s in switches)
            row['empty_pred'] = _switch_text(s['empty_pred']
                                             for s in switches)
            row['iterations'] = _switch_text(s['iterations']
                                             for s in switches)
            row['problems'] = [
                (key[2], state.state, state.detail) for key, state in cell
                if state.state != FINISHED]
            rows.append(row)
    return rows


def _fmt(mean, std, key):
    if mean is None or math.isnan(mean):
        return '—'
    scale = SCALE[key]
    return f'{mean * scale:.2f} ± {std * scale:.2f}'


def _published_text(row):
    values = [row[f'published_{key}'] for key in METRIC_KEYS]
    if all(v is None for v in values):
        return ''
    return ' / '.join('—' if v is None else f'{v:.2f}' for v in values)


def format_markdown(suite, rows):
    mode = suite.selection['mode']
    lines = [f'# Leaderboard: {suite.name}', '',
             f'Suite `{suite.path}`; mean ± population std over the '
             'finished seeds; Dice and Jaccard in %, 95HD and ASD in voxels '
             '(or the units of the configs\' evaluators). Published: '
             'Dice / Jaccard / 95HD / ASD from the sources below the '
             'table.', '']
    if mode == 'test-best':
        lines += [f'**WARNING: {TEST_SET_WARNING}.**', '']
    header = (['method', 'budget', 'seeds'] +
              [HEADERS[k] for k in METRIC_KEYS] +
              ['published', 'checkpoint', 'largest component',
               'empty pred', 'iterations', 'seed list'])
    lines.append('| ' + ' | '.join(header) + ' |')
    lines.append('|' + '---|' * len(header))
    for row in rows:
        checkpoint = row['checkpoint']
        if row['test_set_selection']:
            checkpoint = f'**{checkpoint}**'
        cells = ([row['label'], row['budget'],
                  f'{row["seeds_finished"]}/{row["seeds_total"]}'] +
                 [_fmt(row[f'{k}_mean'], row[f'{k}_std'], k)
                  for k in METRIC_KEYS] +
                 [_published_text(row), checkpoint,
                  row['largest_component'], row['empty_pred'],
                  row['iterations'],
                  ', '.join(str(s) for s in row['seeds'])])
        lines.append('| ' + ' | '.join(cells) + ' |')
    sources = OrderedDict()  # (label, source) -> budgets
    for row in rows:
        if row['published_source']:
            sources.setdefault((row['label'], row['published_source']),
                               []).append(row['budget'])
    if sources:
        lines += ['', 'Published figures:', '']
        for (label, source), budgets in sources.items():
            lines.append(f'- {label} ({", ".join(budgets)}): {source}')
    problems = [(row, p) for row in rows for p in row['problems']]
    if problems:
        lines += ['', 'Runs without a result:', '']
        for row, (seed, state, detail) in problems:
            lines.append(f'- {row["method"]} / {row["budget"]} / seed '
                         f'{seed}: **{state}**' +
                         (f' ({detail})' if detail else ''))
    return '\n'.join(lines) + '\n'


CSV_COLUMNS = (['method', 'label', 'budget', 'seeds_finished',
                'seeds_total'] +
               [f'{k}_{s}' for k in METRIC_KEYS for s in ('mean', 'std')] +
               [f'published_{k}' for k in METRIC_KEYS] +
               ['published_source'] +
               ['checkpoint', 'test_set_selection', 'largest_component',
                'empty_pred', 'iterations', 'seeds', 'problems'])


def write_leaderboard(suite, rows, out_dir):
    """Write leaderboard[_<mode>].{md,csv}; return their paths.

    The CSV keeps the fractions of the results (Dice 0.91, not 91).
    """
    suffix = ('' if suite.selection['mode'] == 'last' else
              f'_{suite.selection["mode"]}')
    md_path = osp.join(out_dir, f'leaderboard{suffix}.md')
    csv_path = osp.join(out_dir, f'leaderboard{suffix}.csv')
    with open(md_path, 'w') as f:
        f.write(format_markdown(suite, rows))
    with open(csv_path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            values = []
            for column in CSV_COLUMNS:
                value = row[column]
                if column == 'seeds':
                    value = ' '.join(str(s) for s in value)
                elif column == 'problems':
                    value = '; '.join(f'seed {s}: {st} {d}'.strip()
                                      for s, st, d in value)
                elif isinstance(value, float) and math.isnan(value):
                    value = ''
                elif value is None:
                    value = ''
                values.append(value)
            writer.writerow(values)
    return md_path, csv_path
