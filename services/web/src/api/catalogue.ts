import type { components } from '../api-types';
import { useLoad } from '../ui/use-load';
import { api, unwrap } from './client';

export type Catalogue = components['schemas']['Catalogue'];

let cached: Promise<Catalogue> | undefined;

/**
 * The catalogue (rates, legal bases, cost bearers, city settings), loaded once per page view and
 * shared by every section that reads it; `fresh` loads it again (after the admin changed it).
 */
export function loadCatalogue(fresh = false): Promise<Catalogue> {
  if (fresh || !cached) {
    const loading = api.GET('/api/v1/catalogue', {}).then(unwrap);
    cached = loading;
    loading.catch(() => {
      if (cached === loading) cached = undefined;
    });
  }
  return cached;
}

/**
 * The German names of the cost bearers. They are the city's own data (the catalogue table), not a
 * fixed list like the labels in @tk/core; until the catalogue has arrived, or for an unknown code,
 * the code itself is shown.
 */
export function useCostBearerName(): (code: string | null | undefined) => string {
  const { data } = useLoad(() => loadCatalogue(), []);
  return (code) => (code ? (data?.costBearers.find((c) => c.code === code)?.nameDe ?? code) : '–');
}

/** The city's districts (Stadtbezirke / Sozialräume) from the catalogue; empty until it arrived or when none are set. */
export function useDistricts(): string[] {
  const { data } = useLoad(() => loadCatalogue(), []);
  return data?.settings.districts ?? [];
}

/** The options of a district select: "no district" first, then the city's list (and a value no longer in it). */
export function districtOptions(districts: string[], current?: string | null): { value: string; label: string }[] {
  const list = current && !districts.includes(current) ? [...districts, current] : districts;
  return [{ value: '', label: 'kein Stadtbezirk' }, ...list.map((d) => ({ value: d, label: d }))];
}
