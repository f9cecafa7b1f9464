import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';

let seq = 0;

/** A new account through the registered `register` function: its id and Authorization header. */
export async function signUp(
  prefix = 'user',
): Promise<{ userId: string; auth: string; token: string; username: string }> {
  seq += 1;
  const username = `${prefix}_${process.pid}_${seq}`.slice(0, 32);
  const res = await request(getTestServer('register'))
    .post('/')
    .send({ email: `${username}@example.com`, username, password: 'password-1' });
  if (res.status !== 201) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { userId: res.body.user.id, auth: `Bearer ${res.body.token}`, token: res.body.token, username };
}
