// Writes src/schema.d.ts from the committed contract (openapi/openapi.json): the types of
// every path, operation and schema. Binary bodies (evidence files, exports) are typed as
// Blob, so that an upload takes a file and a download keeps its bytes.
//   node generate.mjs [output]
import fs from "node:fs";
import ts from "typescript";
import openapiTS, { astToString } from "openapi-typescript";

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));
const contract = new URL("../../openapi/openapi.json", import.meta.url);
const output = process.argv[2] ?? new URL("./src/schema.ts", import.meta.url);

const ast = await openapiTS(contract, {
  transform(schemaObject) {
    if (schemaObject.format === "binary") {
      return BLOB;
    }
    return undefined;
  },
});
const banner =
  "// Generated from openapi/openapi.json by clients/typescript/generate.mjs (openapi-typescript).\n" +
  "// Do not edit: run `npm run generate` after ./scripts/export-openapi.\n\n";
fs.writeFileSync(output, banner + astToString(ast));
