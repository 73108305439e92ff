import { readFile } from 'node:fs/promises';
import {
  BUILT_IN_CATALOG,
  mergeCatalogs,
  parseCatalog,
  type CatalogEntry,
} from '../../shared/catalog/catalog';

/** The built-in catalog, with the entries of `file` (a mirror's or a test's) added; a bad file stops the start with its name. */
export async function loadCatalog(file?: string): Promise<CatalogEntry[]> {
  if (!file) return [...BUILT_IN_CATALOG];
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`cannot read the catalog file ${file}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  try {
    return mergeCatalogs(BUILT_IN_CATALOG, parseCatalog(doc));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
