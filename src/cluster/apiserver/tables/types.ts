// One printer per kind: its column definitions and how one object becomes one row's cells.
import type { KObject } from '../../types/meta.ts';
import type { Column } from './format.ts';

export interface RowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Printer {
  columns: Column[];
  /** one cell per column (the server always prints the wide columns; kubectl hides priority > 0 ones) */
  cells(obj: KObject, now: Date): unknown[];
  /** row conditions (pods: Completed for finished pods) */
  conditions?(obj: KObject): RowCondition[] | undefined;
}
