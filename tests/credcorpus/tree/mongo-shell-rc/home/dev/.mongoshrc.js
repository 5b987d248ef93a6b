// mongosh start-up: log in to the ops cluster and set a useful prompt.
// Interactive alternative: db.auth('ops', passwordPrompt())

const ops = connect('mongodb://ops_admin:fCAVmH~lU7jcOd@ops.mongo.acme.test:27017/admin?tls=true');

db.getSiblingDB('admin').auth('reporter', '!xv2UaT~Vo_srO');
db.auth({ user: 'ci', pwd: process.env.MONGO_CI_PASSWORD });
db.auth({ user: 'analyst', pwd: passwordPrompt() });

prompt = function () {
  return `${db.getName()}@${db.getMongo().host}> `;
};
