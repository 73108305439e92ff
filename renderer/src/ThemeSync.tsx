import { useEffect } from 'react';
import { useSettings } from './stores';

/** Applies the theme from Settings to <html>; "system" leaves it to prefers-color-scheme. */
export function ThemeSync() {
  const theme = useSettings((s) => s.settings?.theme ?? 'system');
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = theme;
  }, [theme]);
  return null;
}
