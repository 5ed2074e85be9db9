// The helper process of spawner.ts: runs each command it is sent to its end, timed, one at a time,
// and answers with the result. It exits when its parent disconnects (or exits).
import { runTimed, type SpawnAnswer, type SpawnRequest } from './spawner.js';

process.on('message', (message: SpawnRequest) => {
  const answer: SpawnAnswer = {
    id: message.id,
    run: runTimed(message.command, message.args, message.timeoutSeconds),
  };
  process.send?.(answer);
});
process.on('disconnect', () => process.exit(0));
