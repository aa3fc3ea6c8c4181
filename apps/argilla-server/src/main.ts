// First: sizes libuv's thread pool before anything gives it work.
import './thread-pool';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { InvalidSettingsError, loadSettings, Settings } from '@argilla/config';
import { SchemaNotAtHeadError, UnknownDatabaseRevisionError } from '@argilla/database';
import { createServerApp } from './app';
import { HttpDrain } from './http-drain';

const logger = new Logger('ArgillaServer');

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = loadSettings();
  } catch (error) {
    if (!(error instanceof InvalidSettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  let app;
  try {
    app = await createServerApp(settings);
  } catch (error) {
    if (error instanceof SchemaNotAtHeadError || error instanceof UnknownDatabaseRevisionError) {
      process.stderr.write(`${error.message}\n`);
    } else {
      process.stderr.write(`The server could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exit(1);
  }

  // Attached before listening, so that it sees every connection.
  const drain = new HttpDrain(app.getHttpServer());
  await app.listen(settings.port, settings.host);
  logger.log(`Listening on http://${settings.host}:${settings.port}${settings.baseUrl}`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    const grace = settings.operations.shutdownTimeoutSeconds;
    const abandoned = drain.abandonedRequests;
    logger.log(
      `${signal} received: draining ${drain.connections} connections` +
        (abandoned > 0 ? ` and ${requests(abandoned)} whose client left` : '') +
        ` (every request received is answered, for at most ${grace} s), then exiting`,
    );
    // Past the grace period, connections still open are cut, and requests whose client left are no longer waited
    // for, so that the process always ends.
    let cut = 0;
    let givenUp = 0;
    const force = setTimeout(() => {
      cut = drain.connections;
      givenUp = drain.abandonedRequests;
      drain.cut();
    }, grace * 1000);
    force.unref();
    try {
      const drained = await drain.drain();
      clearTimeout(force);
      // Requests whose client left were handled to the end (their handlers may use the database until then).
      const finished = drained.abandoned > 0 ? `; ${requests(drained.abandoned)} whose client left finished` : '';
      if (cut > 0 || givenUp > 0) {
        logger.warn(
          `Drained in ${Date.now() - started} ms: ${cut} connections cut and ${requests(givenUp)} whose client ` +
            `left still running after ${grace} s${finished}`,
        );
      } else {
        logger.log(`Drained in ${Date.now() - started} ms: every request answered, every connection closed${finished}`);
      }
      // Only now: the database and the hashing workers may be needed until the last answer.
      await app.close();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

function requests(count: number): string {
  return count === 1 ? '1 request' : `${count} requests`;
}

void main();
