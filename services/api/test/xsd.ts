import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';

/**
 * XML Schema validation for tests: libxml2's xmllint compiled to WebAssembly, so it runs wherever the tests
 * run (no system xmllint needed), against the published schemas kept in the repository
 * (docs/standards/xsd/README.md). A missing schema file throws: a test never falls back to weaker checks.
 */
export const XSD_DIR = fileURLToPath(new URL('../../../docs/standards/xsd/', import.meta.url));

export async function xsdErrors(xml: string, schemaFile: string): Promise<string[]> {
  const schema = readFileSync(`${XSD_DIR}${schemaFile}`, 'utf8');
  const result = await validateXML({
    xml: [{ fileName: 'document.xml', contents: xml }],
    schema: [{ fileName: schemaFile, contents: schema }],
  });
  return result.errors.map((e) => e.rawMessage);
}
