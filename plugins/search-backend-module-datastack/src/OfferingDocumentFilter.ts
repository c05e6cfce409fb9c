import { Transform } from 'node:stream';
import type { DocumentDecoratorFactory } from '@backstage/plugin-search-common';
import { PLATFORM_COMPONENT_TYPE } from '@datastack/plugin-datastack-common';

/** The document type of Backstage's catalog collator. */
const CATALOG_DOCUMENT_TYPE = 'software-catalog';

/**
 * Leaves the catalog collator's document of each platform offering entity
 * out of the index. The `datastack-component` document already stands for
 * that entity (same location, plus where it runs), so without this a search
 * for "kafka" answers "Apache Kafka (Strimzi)" twice. The catalog collator's
 * own `filter` cannot do it: it only selects (kind, type, …), it cannot
 * exclude one type without listing every other.
 *
 * @public
 */
export class OfferingDocumentFilter implements DocumentDecoratorFactory {
  readonly types = [CATALOG_DOCUMENT_TYPE];

  async getDecorator(): Promise<Transform> {
    return new Transform({
      objectMode: true,
      transform(document: Record<string, unknown>, _encoding, done) {
        if (isOfferingDocument(document)) done();
        else done(null, document);
      },
    });
  }
}

/** True for the catalog document of a platform offering Component. */
export function isOfferingDocument(document: Record<string, unknown>): boolean {
  const kind = String(document.kind ?? '').toLocaleLowerCase('en-US');
  const type = document.type ?? document.componentType;
  return kind === 'component' && type === PLATFORM_COMPONENT_TYPE;
}
