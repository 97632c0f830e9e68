// Esri's own client (@esri/arcgis-rest-feature-service) against a FeatureServer layer: the
// integration tests (tests/server/test_esri_edit.cpp) run it to edit the store the way ArcGIS
// clients do. Usage:
//   node esri-applyedits.mjs <applyEdits|addFeatures|updateFeatures|deleteFeatures> <layer url> '<options as JSON>'
// The options are those of the client's function (adds, updates, deletes, features, objectIds,
// where, rollbackOnFailure, params: {token}); `url` is set from the second argument. Prints one
// line of JSON: {"ok":true,"response":…} or {"ok":false,"error":{"name","code","message"}}
// (what the client threw: ArcGISAuthError for 498/499, ArcGISRequestError for other errors).
import {
  applyEdits,
  addFeatures,
  updateFeatures,
  deleteFeatures,
} from "@esri/arcgis-rest-feature-service";

const operations = { applyEdits, addFeatures, updateFeatures, deleteFeatures };
const [op, url, options] = process.argv.slice(2);
if (!operations[op] || !url) {
  console.error("usage: node esri-applyedits.mjs <" + Object.keys(operations).join("|") +
                "> <layer url> '<options as JSON>'");
  process.exit(2);
}
try {
  const response = await operations[op]({ ...JSON.parse(options || "{}"), url });
  console.log(JSON.stringify({ ok: true, response }));
} catch (e) {
  console.log(JSON.stringify({
    ok: false,
    error: { name: e.name, code: e.code ?? null, message: e.message },
  }));
}
