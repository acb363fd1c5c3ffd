// (b) The common implementation teams copy: express.json(), console.log of the entry, 200.
import express from 'express';

const app = express();
app.use(express.json({ limit: '4mb' }));
app.post('/webhook', (req, res) => {
  console.log(JSON.stringify(req.body.entry));
  res.sendStatus(200);
});
app.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
