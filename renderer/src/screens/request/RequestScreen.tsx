import { AlchemyForm } from './AlchemyForm';
import { History } from './History';
import { JobProgress } from './JobProgress';
import { TextRequestForm } from './TextRequestForm';

export function RequestScreen() {
  return (
    <div className="grid request">
      <TextRequestForm />
      <JobProgress />
      <div className="wide" style={{ gridColumn: '1 / -1' }}>
        <AlchemyForm />
      </div>
      <History />
    </div>
  );
}
