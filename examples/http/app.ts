/**
 * An Express service over the blog, one session per request: handlers reach it
 * with `currentSession()`, the response commits it (or, on an error status,
 * rolls it back), and its connection goes back in every case.
 *
 *   GET    /users             users with their posts                2 SELECTs, however many users
 *   GET    /users/:id         a user, posts, and their comments     3 SELECTs
 *   POST   /users             a user with nested posts and comments 3 INSERTs, one commit
 *   PATCH  /posts/:id         edit a post                           SELECT + UPDATE
 *   DELETE /posts/:id         delete a post (its comments by ON DELETE CASCADE)
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { IntegrityError } from '../../src/index.js';
import { currentSession, selectinLoad, type Database } from '../../src/orm/index.js';
import { sessionPerRequest } from '../../src/http/index.js';
import { Comment, Post, User } from './schema.js';

/** An error with the status to answer it with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface NewComment {
  body: string;
}
interface NewPost {
  title: string;
  body?: string;
  comments?: NewComment[];
}
interface NewUser {
  email: string;
  name: string;
  posts?: NewPost[];
}

function idParam(req: Request): number {
  const id = Number(req.params['id']);
  if (!Number.isSafeInteger(id)) throw new HttpError(400, `not an id: ${req.params['id']}`);
  return id;
}

/** The Express app; `db` may be an engine's database or, in tests, one joined to a transaction. */
export function createApp(db: Database, options: { onCommitError?: (error: unknown) => void } = {}): express.Express {
  const app = express();
  // Body parsers before the session middleware: see sessionPerRequest().
  app.use(express.json({ limit: '10mb' }));
  app.use(sessionPerRequest(db, options));

  app.get('/health', (_req, res) => {
    res.json({ ok: true }); // never touches the session: no connection taken
  });

  app.get('/users', async (_req, res) => {
    const users = await currentSession().query(User).options(selectinLoad(User.posts)).orderBy(User.id).all();
    res.json(users.map((u) => ({ id: u.id, email: u.email, name: u.name, posts: u.posts.map((p) => ({ id: p.id, title: p.title })) })));
  });

  app.get('/users/:id', async (req, res) => {
    const user = await currentSession().query(User).where(User.id.eq(idParam(req))).options(selectinLoad(User.posts).selectinLoad(Post.comments)).first();
    if (!user) throw new HttpError(404, 'no such user');
    res.json(user);
  });

  app.post('/users', async (req, res) => {
    const input = req.body as NewUser;
    const s = currentSession();
    const user = new User({ email: input.email, name: input.name });
    for (const p of input.posts ?? []) {
      const post = new Post({ title: p.title, body: p.body ?? '' });
      for (const c of p.comments ?? []) post.comments.push(new Comment({ body: c.body }));
      user.posts.push(post);
    }
    s.add(user);
    await s.flush(); // the ids, for the response; the commit comes with res.json()
    // Checked after writing on purpose: the rows are in the transaction, and the 422 rolls them back.
    if ((input.posts ?? []).some((p) => (p.comments ?? []).some((c) => c.body.trim() === ''))) throw new HttpError(422, 'a comment has an empty body');
    res.status(201).json(user);
  });

  app.patch('/posts/:id', async (req, res) => {
    const post = await currentSession().get(Post, idParam(req));
    if (!post) throw new HttpError(404, 'no such post');
    const { title, body } = req.body as Partial<NewPost>;
    if (title !== undefined) post.title = title;
    if (body !== undefined) post.body = body;
    res.json(post); // UPDATE at the commit, before the response goes out
  });

  app.delete('/posts/:id', async (req, res) => {
    const post = await currentSession().get(Post, idParam(req));
    if (!post) throw new HttpError(404, 'no such post');
    currentSession().delete(post);
    res.status(204).end();
  });

  // Express 5 passes a rejected handler here; an error status rolls the request's session back.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof HttpError) res.status(error.status).json({ error: error.message });
    else if (error instanceof IntegrityError && error.kind === 'unique') res.status(409).json({ error: 'already exists' });
    else res.status(500).json({ error: 'internal error' });
  });
  return app;
}
