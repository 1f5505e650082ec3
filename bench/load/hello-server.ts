/** The baseline of the server load bench: plain Express answering a small JSON, nothing else. */
import express from 'express';

const app = express();
app.get('/hello', (_req, res) => {
  res.json({ request_id: 'job_hello', status: 'queued', progress: 0 });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
