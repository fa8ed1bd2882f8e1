#!/usr/bin/env python3
"""Self time per function of the newest .cpuprofile in a folder: python3 bench/topFunctions.py bench/.tmp/profiles [N]"""
import collections, glob, json, os, sys
folder = sys.argv[1] if len(sys.argv) > 1 else 'bench/.tmp/profiles'
top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
f = max(glob.glob(os.path.join(folder, '*.cpuprofile')), key=os.path.getmtime)
p = json.load(open(f))
nodes = {n['id']: n for n in p['nodes']}
t = collections.Counter()
for s, d in zip(p['samples'], p['timeDeltas']):
    cf = nodes[s]['callFrame']
    t[f"{cf['functionName'] or '(anon)'} {cf['url'].split('/node_modules/')[-1].split('/work/main/')[-1]}:{cf['lineNumber']}"] += d
total = sum(t.values())
print(f, f'{total/1e6:.1f}s sampled')
for k, v in t.most_common(top):
    print(f'{v/total*100:5.1f}% {k}')
