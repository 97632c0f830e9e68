// Validate an OpenAPI document (file path or URL) with @apidevtools/swagger-parser, which
// checks it against the OpenAPI 3.0 schema and resolves every $ref. Exit 0 when valid.
// Used by the integration tests: node validate-openapi.js http://127.0.0.1:PORT/api
const SwaggerParser = require('@apidevtools/swagger-parser');

SwaggerParser.validate(process.argv[2])
  .then((api) => {
    console.log(`valid: ${api.info.title} ${api.openapi}, ${Object.keys(api.paths).length} paths`);
  })
  .catch((e) => {
    console.error(`invalid: ${e.message}`);
    process.exit(1);
  });
