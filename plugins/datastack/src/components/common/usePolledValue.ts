import { useCallback, useEffect, useRef, useState } from 'react';
import { useInventoryUpdates } from './useInventoryUpdates';

/** How often the views reload, in the background, keeping what they show. */
export const REFRESH_INTERVAL_MS = 30_000;

/** How often a view reloads while an Argo CD operation it shows runs or settles. */
export const SETTLING_REFRESH_INTERVAL_MS = 3_000;

/** How often a view that the live inventory's signals keep current reloads anyway. */
export const SIGNALLED_REFRESH_INTERVAL_MS = 5 * 60_000;

interface PolledState<T> {
  value?: T;
  /** The key the value was loaded for. */
  valueKey?: string;
  error?: Error;
  errorKey?: string;
}

/** What {@link usePolledValue} answers. */
export interface PolledValue<T> {
  /** The last value loaded, possibly for an earlier key (see `stale`). */
  value?: T;
  /** The error of the last load for the current key, when it failed. */
  error?: Error;
  /** True while nothing has been loaded or failed for the current key yet. */
  loading: boolean;
  /** True when `value` was loaded for an earlier key and the current one is on its way. */
  stale: boolean;
  /** Loads again now. */
  reload: () => Promise<void>;
}

/**
 * Loads a value, then reloads it every {@link REFRESH_INTERVAL_MS} in the
 * background. What was shown stays while a reload runs and when one fails, so
 * the view never flickers back to a spinner; a new `key` (other filters,
 * another entity) loads at once, and answers to an older key are dropped.
 * With `liveWhen`, a value it accepts (one the backend answered from its
 * live inventory) is reloaded when the inventory signals a change, and
 * polled only every {@link SIGNALLED_REFRESH_INTERVAL_MS}.
 */
export function usePolledValue<T>(
  load: () => Promise<T>,
  key: string,
  intervalMs: number = REFRESH_INTERVAL_MS,
  liveWhen?: (value: T) => boolean,
): PolledValue<T> {
  const [state, setState] = useState<PolledState<T>>({});
  const loadRef = useRef(load);
  loadRef.current = load;
  const sequence = useRef(0);

  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    try {
      const value = await loadRef.current();
      if (mine === sequence.current) {
        setState({ value, valueKey: key });
      }
    } catch (e) {
      if (mine === sequence.current) {
        const error = e instanceof Error ? e : new Error(String(e));
        setState(prev => ({ ...prev, error, errorKey: key }));
      }
    }
  }, [key]);

  useEffect(() => {
    const counter = sequence;
    reload();
    return () => {
      // Answers that arrive after this key was left are dropped.
      counter.current++;
    };
  }, [reload]);

  const signalled = useInventoryUpdates(() => {
    if (liveWhen) reload();
  });
  const live =
    signalled &&
    !!liveWhen &&
    state.value !== undefined &&
    liveWhen(state.value);
  const every = live ? SIGNALLED_REFRESH_INTERVAL_MS : intervalMs;

  // A new interval (faster while something settles) keeps what is loaded.
  useEffect(() => {
    const timer = setInterval(reload, every);
    return () => clearInterval(timer);
  }, [reload, every]);

  const current = state.valueKey === key;
  const error = state.errorKey === key ? state.error : undefined;
  return {
    value: state.value,
    error,
    loading: !current && !error,
    stale: state.value !== undefined && !current,
    reload,
  };
}
