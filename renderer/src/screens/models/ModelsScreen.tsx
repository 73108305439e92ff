import { useEffect, useState } from 'react';
import { Card } from '../../components/Card';
import { useBridge, useModels } from '../../stores';
import { AddFolder } from './AddFolder';
import { CatalogChooser } from './CatalogChooser';
import { InstalledModels } from './InstalledModels';

export function ModelsScreen() {
  const bridge = useBridge();
  const [shell, setShell] = useState<'electron' | 'serve' | null>(null);
  const refresh = useModels((s) => s.refresh);
  // What is installed and in use may have changed since the store last read it (the worker reloads after a download).
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    void bridge.invoke('app:info', undefined).then(
      (info) => setShell(info.shell),
      () => setShell(null),
    );
  }, [bridge]);
  return (
    <div className="grid">
      <Card title="Installed models" wide>
        <InstalledModels />
      </Card>
      <Card title="Add a model folder" wide>
        <AddFolder canPick={shell === 'electron'} />
      </Card>
      <Card title="Download from the catalog" wide>
        <CatalogChooser />
      </Card>
    </div>
  );
}
