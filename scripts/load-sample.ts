// Loads "Mom's Recipe Box", a small sample database, into MONGODB_URI: recipes
// with nested ingredients, users with a unique email index, comments, and an
// empty collection. Types stay within what FerretDB accepts.
//   npx tsx scripts/load-sample.ts [--db momsrecipebox] [--recipes 500]
import { parseArgs } from 'node:util';
import { Binary, Double, Int32, Long, MongoClient, ObjectId } from 'mongodb';

const { values } = parseArgs({ options: { db: { type: 'string', default: 'momsrecipebox' }, recipes: { type: 'string', default: '500' } } });
const uri = process.env.MONGODB_URI;
if (!uri) {
  console.error('load-sample: set MONGODB_URI (npm run services:up, then source .services/env)');
  process.exit(2);
}
const dbName = values.db;
const recipeCount = Number(values.recipes);

/** A small deterministic generator, so every run loads the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}
const rand = random(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

const DISHES = ['Apple Pie', 'Lasagna', 'Chicken Soup', 'Pancakes', 'Meatloaf', 'Banana Bread', 'Chili', 'Pot Roast', 'Gingerbread', 'Potato Salad'];
const INGREDIENTS = ['flour', 'sugar', 'butter', 'eggs', 'milk', 'salt', 'onion', 'garlic', 'tomato', 'cinnamon', 'beef', 'chicken', 'carrot'];
const UNITS = ['cup', 'tbsp', 'tsp', 'g', 'piece'];

const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
await client.connect();
try {
  const db = client.db(dbName);
  await db.dropDatabase();
  const users = Array.from({ length: 20 }, (_, i) => ({
    _id: new ObjectId(),
    name: `Cook ${i + 1}`,
    email: `cook${i + 1}@example.com`,
    joined: new Date(Date.UTC(2019 + (i % 5), i % 12, 1 + i)),
    isAdmin: i === 0,
    avatar: new Binary(Buffer.from(`avatar-${i}`)),
  }));
  await db.collection('users').insertMany(users);
  await db.collection('users').createIndex({ email: 1 }, { unique: true });

  const recipes = Array.from({ length: recipeCount }, (_, i) => ({
    _id: new ObjectId(),
    title: `${pick(DISHES)} #${i + 1}`,
    author: pick(users)._id,
    servings: new Int32(1 + Math.floor(rand() * 8)),
    minutes: new Double(10 + Math.floor(rand() * 120)),
    rating: new Double(Math.round(rand() * 50) / 10),
    views: Long.fromNumber(Math.floor(rand() * 1e12)),
    tags: [pick(['dessert', 'dinner', 'breakfast', 'holiday']), pick(['easy', 'classic', 'family'])],
    ingredients: Array.from({ length: 3 + Math.floor(rand() * 6) }, () => ({ name: pick(INGREDIENTS), amount: new Double(Math.round(rand() * 40) / 4), unit: pick(UNITS) })),
    steps: ['Prepare the ingredients.', 'Mix well.', 'Cook with love.'],
    createdAt: new Date(Date.UTC(1965 + Math.floor(rand() * 60), Math.floor(rand() * 12), 1 + Math.floor(rand() * 28))),
    notes: rand() < 0.2 ? null : 'From grandma\'s card box',
  }));
  for (let i = 0; i < recipes.length; i += 1000) await db.collection('recipes').insertMany(recipes.slice(i, i + 1000));
  await db.collection('recipes').createIndex({ title: 1 });
  await db.collection('recipes').createIndex({ author: 1, createdAt: -1 });

  const comments = recipes.slice(0, Math.ceil(recipeCount / 2)).map((recipe, i) => ({
    _id: new ObjectId(),
    recipe: recipe._id,
    by: pick(users)._id,
    text: `Comment ${i}: delicious!`,
    at: new Date(Date.UTC(2024, i % 12, 1 + (i % 28))),
  }));
  if (comments.length) await db.collection('comments').insertMany(comments);
  await db.createCollection('shopping_lists');
  console.log(`loaded ${dbName}: ${users.length} users, ${recipes.length} recipes, ${comments.length} comments, 1 empty collection`);
} finally {
  await client.close();
}
