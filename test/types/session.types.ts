/**
 * Type tests for the session's API: `tsc --noEmit` checks the `@ts-expect-error`
 * lines (an expected error that does not happen fails the type check) and the
 * `Equal` proofs.
 */
import { identity, integer, primaryKey, table, text, type AnyColumn } from '../../src/index.js';
import {
  Model,
  joinedLoad,
  many,
  one,
  selectinLoad,
  type Collection,
  type MappedInstance,
  type PrimaryKeyOf,
  type Related,
  type Session,
} from '../../src/orm/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_proof?: T): void {}

const shelf = table('ty_shelf', { id: identity(), label: text().notNull() });
const book = table('ty_book', {
  isbn: text().primaryKey(),
  title: text().notNull(),
  shelfId: integer('shelf_id').notNull().references(() => shelf.c.id), // NOT NULL many-to-one
  editorId: integer('editor_id').references(() => person.c.id), // nullable many-to-one
});
const person = table('ty_person', {
  id: identity(),
  name: text().notNull(),
  mentorId: integer('mentor_id').references((self) => self.id), // self-reference: the types cannot follow it
});
// A composite key declared at table level: its order is known.
const loan = table(
  'ty_loan',
  { bookIsbn: text('book_isbn').notNull().references(() => book.c.isbn), personId: integer('person_id').notNull().references(() => person.c.id), days: integer() },
  (c) => [primaryKey(c.personId, c.bookIsbn)],
);
// A composite key declared on the columns: by object, or an array in key order.
const seat = table('ty_seat', { row: text().primaryKey(), number: integer().primaryKey() });
// A NOT NULL foreign key whose thunk is annotated AnyColumn: the types cannot tell where it points.
const review = table('ty_review', { id: identity(), bookIsbn: text('book_isbn').notNull().references((): AnyColumn => book.c.isbn), body: text() });

class Shelf extends Model(shelf) {
  static readonly books = many(() => Book, { backPopulates: 'shelf' });
}
interface Shelf extends Related<typeof Shelf> {}
class Book extends Model(book) {
  static readonly shelf = one(() => Shelf, { backPopulates: 'books' });
  static readonly editor = one(() => Person);
}
interface Book extends Related<typeof Book> {}
class Person extends Model(person) {
  static readonly mentor = one(() => Person);
}
interface Person extends Related<typeof Person> {}
class Loan extends Model(loan) {
  static readonly book = one(() => Book);
  static readonly person = one(() => Person);
}
interface Loan extends Related<typeof Loan> {}
class Seat extends Model(seat) {}
class Review extends Model(review) {
  static readonly book = one(() => Book);
}
interface Review extends Related<typeof Review> {}

export async function typeOnly(s: Session): Promise<void> {
  // --- get(): the key's type comes from the primary key -------------------------------------------------------------
  expectType<Equal<PrimaryKeyOf<typeof Shelf>, number | readonly [number] | { readonly id: number }>>();
  await s.get(Shelf, 1);
  await s.get(Shelf, [1]);
  await s.get(Shelf, { id: 1 });
  // @ts-expect-error a shelf's key is a number
  await s.get(Shelf, 'one');
  await s.get(Book, '978-0');
  // @ts-expect-error a book's key is its isbn, text
  await s.get(Book, 978);
  const found: Book | undefined = await s.get(Book, '978-0');
  // Table-level composite key: a tuple in the declared order, or an object.
  expectType<Equal<PrimaryKeyOf<typeof Loan>, readonly [number, string] | { readonly personId: number; readonly bookIsbn: string }>>();
  await s.get(Loan, [7, '978-0']);
  await s.get(Loan, { personId: 7, bookIsbn: '978-0' });
  // @ts-expect-error the order is (personId, bookIsbn)
  await s.get(Loan, ['978-0', 7]);
  // @ts-expect-error every part of a composite key
  await s.get(Loan, { personId: 7 });
  // @ts-expect-error a composite key is not one value
  await s.get(Loan, 7);
  // Column-level composite key: an object, or an array of its part types (in column order at run time).
  await s.get(Seat, { row: 'A', number: 12 });
  await s.get(Seat, ['A', 12]);
  // @ts-expect-error every part, by name
  await s.get(Seat, { row: 'A' });

  // --- add(): mapped objects only -----------------------------------------------------------------------------------
  s.add(new Shelf({ label: 'poetry' }));
  s.addAll([new Shelf({ label: 'a' }), new Person({ name: 'b' })]);
  // @ts-expect-error a plain object is not a mapped instance, even with the right attributes
  s.add({ label: 'poetry' });
  // @ts-expect-error nor in addAll
  s.addAll([{ label: 'poetry' }]);
  // @ts-expect-error nor for delete
  s.delete({ id: 1, label: 'poetry' });
  const generic = (obj: MappedInstance): void => s.add(obj);
  generic(new Seat({ row: 'A', number: 1 }));

  // --- joinedLoad of a many-to-one: non-null where every foreign key to the target is NOT NULL -----------------------
  const books = await s.query(Book).options(joinedLoad(Book.shelf), joinedLoad(Book.editor)).all();
  const label: string = books[0]!.shelf.label; // book.shelf_id is NOT NULL
  expectType<Equal<(typeof books)[number]['shelf'], Shelf>>();
  // book.editor_id is nullable: the editor may be missing.
  expectType<Equal<(typeof books)[number]['editor'], Person | null>>();
  // @ts-expect-error the editor may be null
  void books[0]!.editor.name;
  // Without a load option, a to-one stays `T | null` (a new object may have none yet).
  const plain = await s.query(Book).all();
  expectType<Equal<(typeof plain)[number]['shelf'], Shelf | null>>();
  // Through a path: loan -> book (NOT NULL) -> shelf (NOT NULL).
  const loans = await s.query(Loan).options(joinedLoad(Loan.book).joinedLoad(Book.shelf), selectinLoad(Loan.person)).all();
  const shelfLabel: string = loans[0]!.book.shelf.label;
  const personName: string = loans[0]!.person.name;
  // A self-reference and a thunk annotated AnyColumn: the types cannot follow them, so `null` stays.
  const people = await s.query(Person).options(joinedLoad(Person.mentor)).all();
  expectType<Equal<(typeof people)[number]['mentor'], Person | null>>();
  const reviews = await s.query(Review).options(joinedLoad(Review.book)).all();
  expectType<Equal<(typeof reviews)[number]['book'], Book | null>>();
  // Collections are unchanged.
  const shelves = await s.query(Shelf).options(selectinLoad(Shelf.books)).all();
  const onShelf: Collection<Book> = shelves[0]!.books;
  void [found, label, shelfLabel, personName, onShelf, plain, people, reviews];
}
