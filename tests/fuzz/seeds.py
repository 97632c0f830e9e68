#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets (corpus/<target>/) from the string literals of
the existing tests, the docs' example URLs and the dev data. Run from anywhere:
    python3 tests/fuzz/seeds.py
Seeds are named by the SHA-1 of their content (as libFuzzer names its own), so running it
again adds nothing twice. Findings are added to corpus/<target>/ by hand (docs/fuzzing.md)."""
import hashlib, os, re, glob

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(ROOT, '..', 'shared', 'data')

def literals(path):
    text = open(path, encoding='utf-8', errors='replace').read()
    out = []
    for m in re.finditer(r'R"\((.*?)\)"', text, re.S):
        out.append(m.group(1))
    text = re.sub(r'R"\((.*?)\)"', '', text, flags=re.S)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        s = m.group(1)
        try:
            s = bytes(s, 'utf-8').decode('unicode_escape').encode('latin-1').decode('utf-8')
        except Exception:
            pass
        out.append(s)
    return out

def files(*patterns):
    r = []
    for p in patterns:
        r += sorted(glob.glob(os.path.join(ROOT, p)))
    return r

def write(target, seeds, limit=400):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    seen = set()
    n = 0
    for s in seeds:
        b = s if isinstance(s, bytes) else s.encode('utf-8')
        if not b or b in seen or len(b) > 4096:
            continue
        seen.add(b)
        with open(os.path.join(d, hashlib.sha1(b).hexdigest()), 'wb') as f:
            f.write(b)
        n += 1
        if n >= limit:
            break
    print(target, n)

FILTER_WORDS = re.compile(r"(=|<|>|\bLIKE\b|\bBETWEEN\b|\bIN\s*\(|\bIS\s+(NOT\s+)?NULL\b|S_INTERSECTS|"
                          r"S_DISJOINT|\bBBOX\b|CASEI|ACCENTI|\bUPPER\b|\bLOWER\b|\bDATE\b|TIMESTAMP)", re.I)
filter_lits = [s for f in files('tests/layers/test_filter.cpp', 'tests/layers/test_cql2_json.cpp',
                                'tests/layers/test_executor.cpp', 'tests/server/test_ogc.cpp',
                                'tests/server/test_part4.cpp', 'tests/server/test_esri.cpp')
               for s in literals(f)
               if FILTER_WORDS.search(s) and not s.lstrip().startswith('{') and '\n' not in s]
# The first byte chooses the collection (modulo their number): spread the seeds over them.
write('cql2_text', [bytes([i % 16]) + s.encode() for i, s in enumerate(filter_lits)])
write('esri_where', [bytes([i % 16]) + s.encode() for i, s in enumerate(filter_lits)])
json_lits = [s for f in files('tests/layers/test_cql2_json.cpp', 'tests/server/test_ogc.cpp',
                              'tests/server/test_part4.cpp', 'docs/*.md')
             for s in literals(f) if s.lstrip().startswith('{') and ('"op"' in s or '"property"' in s)]
write('cql2_json', [bytes([i % 16]) + s.encode() for i, s in enumerate(json_lits)])

# Requests: the docs' example URLs, and every path literal of the server tests.
urls = []
for f in files('docs/*.md', 'README.md'):
    for m in re.finditer(r'https?://[A-Za-z0-9.:\-]+(/[^\s)`"\'<>]*)', open(f).read()):
        urls.append(m.group(1))
for f in files('tests/server/*.cpp'):
    urls += [s for s in literals(f) if s.startswith('/') and ' ' not in s and len(s) < 300]
reqs = ['GET %s\nhost: gebieden.test\n\n' % u for u in urls]
reqs += ['HEAD /collections/buurten/items?limit=2\nhost: gebieden.test\n\n',
         'OPTIONS /collections/organisaties/items\norigin: https://example.org\n'
         'access-control-request-method: POST\n\n',
         'GET /collections/buurten/items?f=json\naccept: application/geo+json\n'
         'accept-encoding: gzip\nif-none-match: "x"\n\n',
         'POST /collections/organisaties/items\ncontent-type: application/geo+json\n'
         'authorization: Bearer nope\n\n{"type":"Feature","properties":{"naam":"x"}}',
         'POST /submissions\ncontent-type: application/json\n\n{"naam":"x"}',
         'GET /arcgis/rest/services/gebieden/FeatureServer/0/query?where=1%3D1&f=json\n\n',
         'GET /geocode?q=Kerkstraat+12+Grou\n\n']
write('http', reqs, limit=600)

addr = [s for f in files('tests/geo/test_geocoder.cpp', 'tests/server/test_geocode_api.cpp',
                         'tests/server/test_geocode_examples.cpp', 'tests/app/*.cpp')
        for s in literals(f) if 2 <= len(s) <= 120 and '\n' not in s and re.search(r'[0-9A-Za-z]', s)]
geo_seeds = [s for s in addr]
geo_seeds += ['\nKerkstraat\n12\n\nGrou', '\n\n\n8911AB\n\n', '\n\n\n\n\n53.2\n5.8',
              '\n\n\n\n\n\n\n182500\n579300', '\nOosterstraat\n1\n\nLjouwert\n\n\n\n\nA\n2']
write('geocoder', geo_seeds, limit=500)

cfg = [open(os.path.join(ROOT, 'data', n), 'rb').read() for n in ('leeuwarden.json', 'schema.json')]
cfg += [s.encode() for f in files('tests/geo/test_config.cpp', 'tests/layers/test_schema.cpp',
                                  'tests/server/test_access.cpp') for s in literals(f)
        if s.lstrip().startswith('{')]
cfg.append(b'{"keys":[{"name":"beheer","role":"editor","sha256":"' + b'ab' * 32 +
           b'","created":"2026-12-02T10:00:00Z"}]}')
write('config', cfg)

bodies = [s for f in files('tests/server/test_store_writes.cpp', 'tests/server/test_submissions.cpp',
                           'tests/server/test_esri_edit*.cpp', 'tests/server/test_service.cpp', 'docs/*.md')
          for s in literals(f) if s.lstrip().startswith('{') and ('"properties"' in s or '"Feature"' in s
                                                                 or '"geometry"' in s)]
# As tests/server/test_store_writes.cpp builds them (json objects there, so written out here).
import json
def feature(**props):
    base = {'naam': 'Testvereniging Schrijfproef', 'straat': 'Sweelincksingel', 'huisnummer': '11',
            'postcode': '8927CX', 'plaats': 'Leeuwarden', 'contact_email': 'geheim@example.nl'}
    base.update(props)
    return {'type': 'Feature', 'geometry': None, 'properties': base}
fs = [feature(), feature(soort='activiteit', start='2026-03-01T19:30:00+01:00', eind='2026-03-01T21:00:00Z'),
      feature(lat=53.2, lon=5.8, scharrelbudget=250.5, besluit_datum='2026-01-31'),
      feature(actief_in_gebieden='noord,oost', status='ingediend', categorie='sport'),
      dict(feature(), id='A1', geometry={'type': 'Point', 'coordinates': [5.79, 53.2]}),
      dict(feature(), geometry={'type': 'Point', 'coordinates': [182500, 579300]}),
      {'properties': {'naam': 'Nieuwe naam', 'website': None}},
      {'geometry': None}, {'geometry': {'type': 'Point', 'coordinates': [53.2, 5.79]}},
      {'type': 'Feature', 'properties': {'x': '182500', 'y': '579300'}}]
bodies += [json.dumps(f) for f in fs]
bodies += ['', '{"type": "Feature", ', '[1, 2, 3]', '"Feature"', '{"type":"FeatureCollection"}']
# The first byte: bit 0 patch, bits 1-2 the Content-Crs, the rest the collection.
write('store_body', [bytes([(i * 7) % 256]) + s.encode() for i, s in enumerate(bodies)])

csvs = [s for f in files('tests/geo/test_csv.cpp', 'tests/app/*.cpp', 'tests/geo/test_geocoder.cpp')
        for s in literals(f) if '\n' in s and (',' in s or ';' in s)]
csvs = [s.encode() for s in csvs]
for p in [os.path.join(ROOT, 'data', 'plaatsnamen.csv')] + sorted(glob.glob(os.path.join(SHARED, '*.csv'))):
    with open(p, 'rb') as f:
        csvs.append(b''.join(f.readlines()[:12]))
csvs.append('straat;huisnummer;postcode;plaats\r\nKerkstraat;12;;Grou\r\n'.encode('cp1252'))
csvs.append('\ufeffadres\nOosterstraat 1, Leeuwarden\n'.encode('utf-8'))
write('csv', csvs)
