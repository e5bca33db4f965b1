import { createServer, type Server } from 'node:http';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'verity_worker_' });

export const jobsFinished = new Counter({
  name: 'verity_worker_jobs_total',
  help: 'Jobs finished, by queue and outcome',
  labelNames: ['queue', 'outcome'],
  registers: [registry],
});

export const deliveriesFinished = new Counter({
  name: 'verity_worker_deliveries_total',
  help: 'Delivery attempts by queue and outcome (sent, already-done, retry, failed)',
  labelNames: ['queue', 'outcome'],
  registers: [registry],
});

export const stuckDeliveries = new Counter({
  name: 'verity_worker_stuck_deliveries_total',
  help: 'Deliveries found queued or sending with no live job, by queue and what the sweep did (redispatched, failed)',
  labelNames: ['queue', 'action'],
  registers: [registry],
});

/** /metrics for Prometheus and /health for a liveness probe, on their own port. */
export function serveMetrics(port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body));
    } else if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
