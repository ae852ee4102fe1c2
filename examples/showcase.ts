/**
 * `npm start`: the pitfall clinic (see examples/clinic/). Until it lands, a quick tour.
 */
import { quickstart } from './quickstart.js';

await quickstart();
