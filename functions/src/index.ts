import { cloudEvent, http } from '@google-cloud/functions-framework';
import { processUpload } from './events/process-upload';
import { account } from './http/account';
import { archive } from './http/archive';
import { delete as deleteImage } from './http/delete';
import { edit } from './http/edit';
import { images } from './http/images';
import { login } from './http/login';
import { register } from './http/register';
import { upload } from './http/upload';

// Names match the firebase.json rewrites and Terraform's entry points.
http('register', register);
http('login', login);
http('upload', upload);
http('images', images);
http('edit', edit);
http('account', account);
http('archive', archive);
http('delete', deleteImage);
cloudEvent('processUpload', processUpload);
