// Koop with the GeoJSON file provider on 127.0.0.1, for bench/bench_esri.sh.
//   node server.js DATA_DIR
// Serves DATA_DIR/NAME.geojson as /file-geojson/rest/services/NAME/FeatureServer/0 and prints
// "listening on http://127.0.0.1:PORT" (a free port) once it accepts connections.
'use strict';
const path = require('path');
const Koop = require('@koopjs/koop-core');
const provider = require('@koopjs/provider-file-geojson');

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node server.js DATA_DIR');
  process.exit(2);
}
const koop = new Koop({ logLevel: 'error' });
// The provider joins its dataDir to the working directory.
koop.register(provider, { dataDir: path.relative(process.cwd(), path.resolve(dataDir)) });
const server = koop.server.listen(0, '127.0.0.1', () => {
  console.log('listening on http://127.0.0.1:' + server.address().port);
});
