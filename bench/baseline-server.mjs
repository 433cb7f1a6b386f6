// The lobby-join baseline: a bare Express route returning JSON, in a process started like the token server.
import express from 'express';

const app = express();
app.use(express.json({ limit: '16kb' }));
app.post('/v1/lobby/join', (req, res) => {
  res.status(201).json({
    ticket: 'x'.repeat(43),
    ticketId: 'l_0123456789abcdef',
    consultation: { id: 'c_0', locale: 'en', e2ee: true },
    echo: typeof req.body?.code,
  });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
