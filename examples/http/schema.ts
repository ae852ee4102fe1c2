/**
 * The blog the HTTP example serves: users write posts, readers comment on them.
 */
import { identity, integer, table, text } from '../../src/index.js';
import { Model, many, mapped, one, type Related } from '../../src/orm/index.js';

export const userTable = table('http_user', { id: identity(), email: text().notNull().unique(), name: text().notNull() });
export const postTable = table('http_post', {
  id: identity(),
  authorId: integer('author_id').notNull().references(() => userTable.c.id, { onDelete: 'CASCADE' }),
  title: text().notNull(),
  body: text().notNull().default(''),
});
export const commentTable = table('http_comment', {
  id: identity(),
  postId: integer('post_id').notNull().references(() => postTable.c.id, { onDelete: 'CASCADE' }),
  body: text().notNull(),
});
export const blogTables = [userTable, postTable, commentTable];

@mapped
export class User extends Model(userTable) {
  static readonly posts = many(() => Post, { backPopulates: 'author', cascade: 'all', passiveDeletes: true });
}
export interface User extends Related<typeof User> {}

@mapped
export class Post extends Model(postTable) {
  static readonly author = one(() => User, { backPopulates: 'posts' });
  static readonly comments = many(() => Comment, { backPopulates: 'post', cascade: 'all', passiveDeletes: true });
}
export interface Post extends Related<typeof Post> {}

@mapped
export class Comment extends Model(commentTable) {
  static readonly post = one(() => Post, { backPopulates: 'comments' });
}
export interface Comment extends Related<typeof Comment> {}
