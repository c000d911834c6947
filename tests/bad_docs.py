"""Hand-made bad documents from one good estimate document: each breaks one
rule the schema states (what the issue found the old schema let through).
Usage: bad_docs.py GOOD.json OUTDIR   writes OUTDIR/NAME.json per case."""
import copy
import json
import sys


def deep(d):
    return d['estimates'][0]['deep']


def set_in(path, value):
    def f(d):
        o = d
        for k in path[:-1]:
            o = o[k]
        o[path[-1]] = value
    return f


def drop(path):
    def f(d):
        o = d
        for k in path[:-1]:
            o = o[k]
        del o[path[-1]]
    return f


E0 = ['estimates', 0]
CASES = {
    'missing_train_s': drop(E0 + ['deep', 'train_s']),
    'string_price': set_in(E0 + ['hardware', 'price_usd_per_h'], '0.80'),
    'negative_cost': set_in(E0 + ['deep', 'cost_usd', 'expected'], -1.0),
    'misspelt_field': lambda d: d['estimates'][0]['deep']['memory'].update(fit=True),
    'float_count': set_in(E0 + ['deep', 'model', 'params'], 25557032.0),
    'classical_model_string': set_in(E0 + ['classical', 'model'], 'gbdt'),
    'unknown_price_origin': set_in(E0 + ['hardware', 'price_origin'], 'aws'),
    'rank_zero': set_in(E0 + ['rank'], 0),
    'verdict_without_summary': drop(['verdict', 'summary']),
    'deadline_met_as_text': set_in(E0 + ['deep', 'deadline', 'met_high'], 'yes'),
    'host_unknown_field': lambda d: d['host'].update(os='linux'),
    'unknown_precision': set_in(['workload', 'precision'], 'fp8'),
    'low_above_zero_missing': drop(E0 + ['classical', 'cost_usd', 'low']),
    'range_extra_key': lambda d: d['estimates'][0]['classical']['train_s'].update(median=1.0),
}


def main():
    good = json.load(open(sys.argv[1]))
    for name, mutate in CASES.items():
        d = copy.deepcopy(good)
        mutate(d)
        json.dump(d, open(f'{sys.argv[2]}/{name}.json', 'w'), indent=1)


main()
