/**
 * Whether this app is a support agent's: the Agent screen and its sidebar entry appear only when
 * `agentDesk()` answers a workplace. Asked at start, on `agent-changed`, and after an agent's
 * enrolment. Loads are numbered (a stale answer is dropped).
 */
import { agentDesk, follow, onAgentChanged } from '../ipc';
import { Latest } from './latest';

class AgentPresence {
  /** This app holds an agent certificate. */
  isAgent = $state(false);
  private loads = new Latest();

  refresh(): Promise<void> {
    return this.loads.run(
      agentDesk,
      (desk) => {
        this.isAgent = desk !== null;
      },
      // An app that cannot say (no backend yet, an old one) is not an agent's.
      () => undefined,
    );
  }

  /** Starts following the backend; returns a function that stops. */
  connect(): () => void {
    void this.refresh();
    return follow(onAgentChanged(() => void this.refresh()));
  }
}

export const agentPresence = new AgentPresence();
