// Export a collection from gebieden's own OGC API as the GeoJSON file Koop serves, with the
// same OBJECTIDs (the collection's stable order: 1..n) and maxRecordCount as gebieden.
//   node export.js BASE_URL COLLECTION OUT_FILE MAX_RECORD_COUNT
'use strict';
const fs = require('fs');

async function main() {
  const [base, collection, out, maxRecords] = process.argv.slice(2);
  if (!out) {
    console.error('usage: node export.js BASE_URL COLLECTION OUT_FILE MAX_RECORD_COUNT');
    process.exit(2);
  }
  const features = [];
  let url = `${base}/collections/${collection}/items?f=json&limit=1000`;
  let meta = null;
  while (url) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const page = await res.json();
    meta = meta || page;
    features.push(...page.features);
    const next = (page.links || []).find((l) => l.rel === 'next');
    url = next ? next.href : null;
  }
  if (meta && typeof meta.numberMatched === 'number' && meta.numberMatched !== features.length)
    throw new Error(`expected ${meta.numberMatched} features, read ${features.length}`);
  features.forEach((f, i) => {
    f.properties = { OBJECTID: i + 1, ...f.properties };
  });
  const fc = {
    type: 'FeatureCollection',
    metadata: {
      name: collection,
      idField: 'OBJECTID',
      maxRecordCount: Number(maxRecords) || 100,
    },
    features,
  };
  fs.writeFileSync(out, JSON.stringify(fc));
  console.log(`${collection}: ${features.length} features -> ${out}`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
