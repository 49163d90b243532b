"""Suite files: parsing, validation errors and the run matrix."""
import pytest
from bench_fixtures import TINY_2D

from mmssl.benchmark import SuiteError, expand_runs, load_suite

GOOD = f"""
seeds = [0, 1]
budgets = [8, 4]
_helper = {TINY_2D!r}   # underscore names are helpers, not keys
methods = [
    dict(name='a', config=_helper, cfg_options={{'train_cfg.max_iters': 5}}),
    dict(name='b', label='Method B', configs={{8: _helper}},
         budget_cfg_options={{8: {{'train_cfg.max_iters': 7}}}},
         published='LA/dtc'),
]
cfg_options = {{'train_cfg.max_iters': 2, 'randomness.deterministic': True}}
"""


def test_matrix_expansion(write_suite, tmp_path):
    suite = load_suite(write_suite(GOOD))
    assert suite.name.startswith('suite')
    assert suite.work_dir.endswith(suite.name)
    assert suite.selection == dict(mode='last', val_holdout=None,
                                   val_interval=None)
    runs = expand_runs(suite)
    assert [r.key for r in runs] == [('a', '8', 0), ('a', '8', 1),
                                     ('a', '4', 0), ('a', '4', 1),
                                     ('b', '8', 0), ('b', '8', 1)]
    # suite < method < budget options; the budget of a one-config method
    # goes through budget_option.
    assert runs[0].cfg_options == {
        'train_cfg.max_iters': 5, 'randomness.deterministic': True,
        'train_dataloader.dataset.num_labeled': 8}
    assert runs[2].cfg_options['train_dataloader.dataset.num_labeled'] == 4
    assert runs[4].cfg_options == {'train_cfg.max_iters': 7,
                                   'randomness.deterministic': True}
    assert runs[5].run_dir.endswith('/b/8/last/seed1')
    # Published figures by key, per budget.
    assert suite.methods[1].published['8']['dice'] == 87.51
    assert suite.methods[1].label == 'Method B'

    only = expand_runs(suite, only=['a'], budgets=[4], seeds=[5])
    assert [r.key for r in only] == [('a', '4', 5)]
    with pytest.raises(SuiteError, match="no method 'c'"):
        expand_runs(suite, only=['c'])
    with pytest.raises(SuiteError, match="no budget '16'"):
        expand_runs(suite, budgets=[16])
    # Overrides from the command line.
    other = load_suite(write_suite(GOOD), work_dir=str(tmp_path / 'w'),
                       selection=dict(mode='val', val_holdout=2))
    assert other.work_dir == str(tmp_path / 'w')
    assert expand_runs(other)[0].run_dir.endswith('/a/8/val/seed0')


@pytest.mark.parametrize('text,message', [
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", '
     'config="no/such/config.py")]', r"config file 'no/such/config.py' not "
     'found'),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c)]\n'
     'iterations=3', r"suite: unknown key\(s\) \['iterations'\]"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c, lr=1)]',
     r"methods\[0\]: unknown key\(s\) \['lr'\]"),
    ('seeds=[0]\nbudgets=[-2]\nmethods=[dict(name="a", config=_c)]',
     'a budget must be >= 0'),
    ('seeds=[0]\nbudgets=[True]\nmethods=[dict(name="a", config=_c)]',
     'a budget must be an int or a name'),
    ('seeds=[0]\nbudgets=[2, 2]\nmethods=[dict(name="a", config=_c)]',
     'budgets repeat'),
    ('seeds=[0]\nbudgets=["few"]\nmethods=[dict(name="a", config=_c)]',
     "budgets \\['few'\\] are not counts"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", configs={4: _c})]',
     r"configs for budgets \['4'\], which are not among"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c, '
     'budgets=[4])]', r"budgets \['4'\] are not among"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c, '
     'configs={2: _c})]', 'exactly one of config'),
    ('seeds=[0, 0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c)]',
     'seeds repeat'),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c), '
     'dict(name="a", config=_c)]', 'method names repeat'),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a b", config=_c)]',
     'name must be a short id'),
    ('seeds=[0]\nbudgets=[2]\nmethods=[]', 'methods must be a non-empty'),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c, '
     'published="LA/nope")]', "no published figures under 'LA/nope'"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c)]\n'
     'selection="best"', "selection: mode must be one of"),
    ('seeds=[0]\nbudgets=[2]\nmethods=[dict(name="a", config=_c)]\n'
     'selection=dict(mode="last", val_holdout=2)', 'val_holdout is for'),
])
def test_errors_name_the_problem(write_suite, text, message):
    path = write_suite(f'_c = {TINY_2D!r}\n' + text)
    with pytest.raises(SuiteError, match=message) as error:
        load_suite(path)
    assert path in str(error.value)


def test_missing_suite_file(tmp_path):
    with pytest.raises(SuiteError, match='not found'):
        load_suite(str(tmp_path / 'nope.py'))
