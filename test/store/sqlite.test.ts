/** The SQLite backend against the storage contract's conformance suite. */
import { SqliteStore } from '../../src/store/sqlite.js';
import { storeConformance } from './conformance.js';

storeConformance('sqlite', (dir) => new SqliteStore(dir));
