import type { Db } from '@tk/db';

/** Demo bookings for the demo children (terminal issue), so accounting has data. */
export async function seedBookings(_db: Db): Promise<void> {}
