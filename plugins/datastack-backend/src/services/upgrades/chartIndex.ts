import type {
  ChartDependency,
  ChartRelease,
} from '@datastack/plugin-datastack-common';
import { parseYamlData } from '@datastack/plugin-datastack-node';
import semver from 'semver';

/** ArtifactHub change kinds that an upgrade should read before it is made. */
const BREAKING_CHANGE_KINDS = new Set(['removed', 'deprecated', 'security']);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The lines of one chart's entry in a Helm `index.yaml` as Helm writes it
 * (`entries:` at the top level, each chart name indented by two spaces, its
 * versions a block sequence), or undefined when the file is laid out
 * otherwise. Only that chart is parsed: a large repository index (hundreds of
 * charts, tens of megabytes) costs the memory of the one chart asked for.
 */
export function sliceChartEntry(
  text: string,
  chart: string,
): string | undefined {
  const entries = /^entries:[ \t]*\r?$/m.exec(text);
  if (!entries) return undefined;
  const name = escapeRegExp(chart);
  const start = new RegExp(
    `^  (?:${name}|"${name}"|'${name}'):[ \\t]*\\r?$`,
    'm',
  );
  const rest = text.slice(entries.index);
  const found = start.exec(rest);
  if (!found) return '';
  const from = entries.index + found.index;
  // The entry ends at the next line indented less than its items: another
  // chart (two spaces and a name) or a top-level key (`generated:`).
  const end = /\n(?:[^ \n\r#-]| {2}[^ \-\n\r#])/g;
  end.lastIndex = from + found[0].length;
  const next = end.exec(text);
  return text.slice(from, next ? next.index : text.length);
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim()) return value.trim();
  if (typeof value === 'number') return String(value);
  return undefined;
}

function dependenciesOf(value: unknown): ChartDependency[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap(d => {
    const name = asString(d?.name);
    if (!name) return [];
    return [
      {
        name,
        ...(asString(d.version) && { version: asString(d.version) }),
        ...(asString(d.repository) && { repository: asString(d.repository) }),
        ...(asString(d.condition) && { condition: asString(d.condition) }),
      },
    ];
  });
}

/** Notes of kind removed, deprecated or security from `artifacthub.io/changes`. */
export function breakingNotesOf(annotations: unknown): string[] {
  const raw = (annotations as Record<string, unknown> | undefined)?.[
    'artifacthub.io/changes'
  ];
  if (typeof raw !== 'string' || !raw.trim()) return [];
  let changes: unknown;
  try {
    changes = parseYamlData(raw, 'artifacthub.io/changes');
  } catch {
    return [];
  }
  if (!Array.isArray(changes)) return [];
  return changes.flatMap(change => {
    if (!change || typeof change !== 'object') return [];
    const kind = asString((change as Record<string, unknown>).kind);
    const description = asString(
      (change as Record<string, unknown>).description,
    );
    return kind && description && BREAKING_CHANGE_KINDS.has(kind)
      ? [`${kind}: ${description}`]
      : [];
  });
}

/**
 * A release from chart metadata: an index entry, or the Helm config blob of
 * an OCI artifact (Chart.yaml as JSON). Undefined for a version that is not
 * SemVer or is marked `removed`.
 */
export function releaseFromChartMetadata(
  entry: Record<string, unknown>,
  options: { componentId: string; urls: string[]; digest?: string },
): ChartRelease | undefined {
  const version = semver.valid(asString(entry.version) ?? '');
  if (!version || entry.removed === true) return undefined;
  const kubeVersion = asString(entry.kubeVersion);
  const created = entry.created;
  return {
    componentId: options.componentId,
    chartVersion: version,
    ...(asString(entry.appVersion) && {
      appVersion: asString(entry.appVersion),
    }),
    ...(kubeVersion && { kubeVersion }),
    deprecated: entry.deprecated === true,
    ...(created !== undefined && {
      created:
        created instanceof Date ? created.toISOString() : String(created),
    }),
    dependencies: dependenciesOf(entry.dependencies),
    urls: options.urls,
    ...((asString(entry.digest) ?? options.digest) && {
      digest: asString(entry.digest) ?? options.digest,
    }),
    breakingNotes: breakingNotesOf(entry.annotations),
  };
}

/**
 * Every version of `chart` in a Helm repository index, newest first, with
 * archive URLs made absolute against `indexUrl`. Throws when the document is
 * not an index.
 */
export function parseChartIndex(
  body: Buffer | string,
  options: {
    chart: string;
    componentId: string;
    indexUrl: string;
    /** Alias expansions allowed (`datastack.upgrades.maxYamlAliases`). Default 100. */
    maxAliasCount?: number;
  },
): ChartRelease[] {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  // The byte limit of the download bounds the text; aliases are bounded here.
  const limits = {
    maxLength: text.length + 16,
    maxAliasCount: options.maxAliasCount,
    aliasLimitKey: 'datastack.upgrades.maxYamlAliases',
  };
  let entries: unknown;
  const slice = text.trimStart().startsWith('{')
    ? undefined
    : sliceChartEntry(text, options.chart);
  if (slice === '') {
    return [];
  } else if (slice !== undefined) {
    const parsed = parseYamlData(`entries:\n${slice}`, 'the index', limits) as {
      entries?: Record<string, unknown>;
    };
    entries = parsed?.entries?.[options.chart];
  } else {
    // JSON, or YAML laid out otherwise: parse it whole.
    const parsed = (
      text.trimStart().startsWith('{')
        ? JSON.parse(text)
        : parseYamlData(text, 'the index', limits)
    ) as { entries?: Record<string, unknown> } | undefined;
    if (!parsed || typeof parsed !== 'object' || !parsed.entries) {
      throw new Error('no entries');
    }
    entries = parsed.entries[options.chart];
  }
  if (entries === undefined || entries === null) return [];
  if (!Array.isArray(entries)) {
    throw new Error(`entries.${options.chart} is not a list`);
  }
  const releases: ChartRelease[] = [];
  for (const entry of entries) {
    if (!entry || typeof entry !== 'object') continue;
    const urls = Array.isArray(entry.urls)
      ? entry.urls.flatMap((u: unknown) => {
          if (typeof u !== 'string') return [];
          try {
            return [new URL(u, options.indexUrl).toString()];
          } catch {
            return [];
          }
        })
      : [];
    const release = releaseFromChartMetadata(entry, {
      componentId: options.componentId,
      urls,
    });
    if (release) releases.push(release);
  }
  return releases.sort((a, b) =>
    semver.rcompare(a.chartVersion, b.chartVersion),
  );
}
