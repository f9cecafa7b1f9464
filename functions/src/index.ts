import { http } from '@google-cloud/functions-framework';
import { login } from './http/login';
import { register } from './http/register';
import { upload } from './http/upload';

// Names match the firebase.json rewrites and Terraform's entry points.
http('register', register);
http('login', login);
http('upload', upload);
