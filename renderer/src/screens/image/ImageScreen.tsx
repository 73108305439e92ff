import { Gallery } from './Gallery';
import { ImageForm } from './ImageForm';
import { ImageProgress } from './ImageProgress';

/** Image requests: the form with its price, the request in flight, and the gallery kept across restarts. */
export function ImageScreen() {
  return (
    <div className="grid request">
      <ImageForm />
      <ImageProgress />
      <Gallery />
    </div>
  );
}
