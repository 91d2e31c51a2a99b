/**
 * How many of IT's answers to this device's reports are unseen, for the sidebar's count beside
 * Threats. Read when the app starts; "Your reports to IT" sets it when it shows the list (and
 * marks the answers seen). The backend sends no event when the count changes.
 */
import { itReports } from '../ipc';

class ReportCount {
  unseen = $state(0);

  async load(): Promise<void> {
    try {
      this.unseen = (await itReports()).unseen;
    } catch {
      // No count: the list itself says what went wrong when it is shown.
    }
  }
}

export const reportCount = new ReportCount();
