import { z } from 'zod';
import {
  ComponentDefinition,
  ComponentOverride,
  CompositionRule,
  componentDefinitionSchema,
  componentOverrideSchema,
  compositionRuleSchema,
} from './schema';

/**
 * A composition rule a set of components does not meet.
 *
 * @public
 */
export interface CompositionViolation {
  ruleId: string;
  /** The component whose presence triggered the rule. */
  componentId: string;
  message: string;
}

/**
 * Thrown when a registry entry or an app-config override is invalid; names the key.
 *
 * @public
 */
export class RegistryValidationError extends Error {
  readonly key: string;
  /** What is wrong with the value at `key`. */
  readonly detail: string;
  constructor(key: string, detail: string) {
    super(`${key}: ${detail}`);
    this.name = 'RegistryValidationError';
    this.key = key;
    this.detail = detail;
  }
}

function firstIssue(
  prefix: string,
  error: z.ZodError,
): RegistryValidationError {
  const issue = error.issues[0];
  const key = [prefix, ...issue.path.map(String)].join('.');
  return new RegistryValidationError(key, issue.message);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge for values: objects merge, everything else is replaced.
 *
 * @public
 */
export function mergeValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] =
      isPlainObject(current) && isPlainObject(value)
        ? mergeValues(current, value)
        : value;
  }
  return out;
}

/**
 * The data-stack components Datastack knows, validated. Built from the
 * defaults shipped in this package, merged with app-config
 * `datastack.components`. Nothing else in the suite hard-codes a component.
 *
 * @public
 */
export class ComponentRegistry {
  readonly #components: Map<string, ComponentDefinition>;
  readonly #rules: CompositionRule[];

  /**
   * @param components - entries, each validated
   * @param rules - composition rules, validated
   * @param keyPrefix - how errors name the entries (`datastack.components`)
   */
  constructor(
    components: unknown[],
    rules: unknown[],
    keyPrefix = 'datastack.components',
  ) {
    this.#components = new Map();
    for (const raw of components) {
      const id =
        isPlainObject(raw) && typeof raw.id === 'string' ? raw.id : '?';
      const parsed = componentDefinitionSchema.safeParse(raw);
      if (!parsed.success) {
        throw firstIssue(`${keyPrefix}.${id}`, parsed.error);
      }
      if (this.#components.has(parsed.data.id)) {
        throw new RegistryValidationError(
          `${keyPrefix}.${id}`,
          'is defined twice',
        );
      }
      this.#components.set(parsed.data.id, parsed.data);
    }
    this.#rules = rules.map((raw, i) => {
      const parsed = compositionRuleSchema.safeParse(raw);
      if (!parsed.success) {
        throw firstIssue(`datastack.rules.${i}`, parsed.error);
      }
      return parsed.data;
    });
    this.#checkReferences(keyPrefix);
  }

  #checkReferences(keyPrefix: string) {
    for (const c of this.#components.values()) {
      for (const [field, list] of [
        ['requires', c.requires],
        ['conflicts', c.conflicts],
      ] as const) {
        list.forEach((constraint, i) => {
          if (!this.#components.has(constraint.componentId)) {
            throw new RegistryValidationError(
              `${keyPrefix}.${c.id}.${field}.${i}.componentId`,
              `names unknown component "${constraint.componentId}"`,
            );
          }
        });
      }
    }
  }

  /**
   * Applies app-config overrides (`datastack.components`): a key naming a
   * known component overrides its fields (values merge deeply); a new key adds
   * a component, which must then be complete. Throws
   * {@link RegistryValidationError} naming the offending key.
   */
  withOverrides(
    overrides: Record<string, unknown> | undefined,
    keyPrefix = 'datastack.components',
  ): ComponentRegistry {
    if (!overrides || Object.keys(overrides).length === 0) {
      return this;
    }
    const merged = new Map<string, unknown>(this.#components);
    for (const [id, raw] of Object.entries(overrides)) {
      const key = `${keyPrefix}.${id}`;
      const existing = this.#components.get(id);
      if (!existing) {
        if (!isPlainObject(raw)) {
          throw new RegistryValidationError(key, 'must be a mapping');
        }
        // A new component: validated whole when the registry is rebuilt below.
        merged.set(id, { ...raw, id });
        continue;
      }
      const parsed = componentOverrideSchema.safeParse(raw);
      if (!parsed.success) {
        throw firstIssue(key, parsed.error);
      }
      merged.set(id, applyOverride(existing, parsed.data));
    }
    return new ComponentRegistry([...merged.values()], this.#rules, keyPrefix);
  }

  list(): ComponentDefinition[] {
    return [...this.#components.values()];
  }

  has(id: string): boolean {
    return this.#components.has(id);
  }

  /** The component, or undefined. */
  find(id: string): ComponentDefinition | undefined {
    return this.#components.get(id);
  }

  /** The component; throws naming the id when it is unknown. */
  get(id: string): ComponentDefinition {
    const c = this.#components.get(id);
    if (!c) {
      throw new RangeError(
        `Unknown data-stack component "${id}"; known: ${[
          ...this.#components.keys(),
        ].join(', ')}`,
      );
    }
    return c;
  }

  rules(): CompositionRule[] {
    return [...this.#rules];
  }

  /**
   * Checks a pipeline's set of component ids against the composition rules.
   * Returns every violated rule (empty when the set is valid).
   */
  checkComposition(componentIds: string[]): CompositionViolation[] {
    const present = new Set(componentIds);
    const violations: CompositionViolation[] = [];
    for (const rule of this.#rules) {
      const triggers =
        'layer' in rule.when
          ? componentIds.filter(
              id =>
                this.#components.get(id)?.layer ===
                (rule.when as { layer: string }).layer,
            )
          : componentIds.filter(
              id => id === (rule.when as { component: string }).component,
            );
      if (triggers.length === 0) continue;
      if (rule.requiresAny.some(id => present.has(id))) continue;
      violations.push({
        ruleId: rule.id,
        componentId: triggers[0],
        message: rule.message,
      });
    }
    return violations;
  }
}

function applyOverride(
  base: ComponentDefinition,
  override: ComponentOverride,
): ComponentDefinition {
  const { chart, values, operator, instance, ...rest } = override;
  return {
    ...base,
    ...rest,
    operator:
      operator && base.operator
        ? {
            ...base.operator,
            ...operator,
            watchValues: mergeValues(
              base.operator.watchValues,
              operator.watchValues ?? {},
            ),
          }
        : (operator as ComponentDefinition['operator']) ?? base.operator,
    instance:
      instance?.sizes && base.instance
        ? ({
            ...base.instance,
            sizes: {
              small: mergeValues(
                base.instance.sizes.small,
                instance.sizes.small ?? {},
              ),
              medium: mergeValues(
                base.instance.sizes.medium,
                instance.sizes.medium ?? {},
              ),
              large: mergeValues(
                base.instance.sizes.large,
                instance.sizes.large ?? {},
              ),
            },
          } as ComponentDefinition['instance'])
        : base.instance,
    chart:
      chart && base.chart
        ? { ...base.chart, ...chart }
        : (chart as ComponentDefinition['chart']) ?? base.chart,
    values: {
      small: mergeValues(base.values.small, values?.small ?? {}),
      medium: mergeValues(base.values.medium, values?.medium ?? {}),
      large: mergeValues(base.values.large, values?.large ?? {}),
    },
  };
}
