// The demo page's logic, on the browser bundle's global `ActiveStack`.
// `?gateway=http://host:port` points it at another gateway than the page's origin.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(location.search);
  var url = params.get('gateway') || location.origin;
  var reconnects = 0;
  var pushes = 0;

  var client = ActiveStack.createClient({
    url: url,
    storage: ActiveStack.localStorageKeyStorage('activestack.demo.key'),
    reconnect: { initialMs: 300, maxMs: 5000 },
    requestTimeoutMs: 10000,
  });

  function log(kind, text, cls) {
    var li = document.createElement('li');
    if (cls) li.className = cls;
    var k = document.createElement('span');
    k.className = 'kind';
    k.textContent = kind;
    li.appendChild(k);
    li.appendChild(document.createTextNode(' ' + text));
    $('log').prepend(li);
  }

  function status(state, text) {
    $('status').dataset.state = state;
    $('status').textContent = text;
  }

  function showSession(session) {
    $('clientId').textContent = session ? session.clientId : '–';
    $('userId').textContent = session && session.userId ? session.userId : '(not logged in)';
  }

  client.on('session', function (session, change) {
    showSession(session);
    log('session', change + ' clientId=' + session.clientId + (session.userId ? ' userId=' + session.userId : ''));
  });
  client.on('push', function (push) {
    pushes += 1;
    document.body.dataset.pushes = String(pushes);
    log('push', JSON.stringify(push), 'push');
  });
  client.on('error', function (err) {
    log('error', err.code + ': ' + err.message, 'error');
  });
  client.on('disconnect', function (reason) {
    status('disconnected', 'disconnected (' + reason + '), resuming…');
    log('disconnect', reason);
  });
  // Logout (or the backend's EOL) ends the session for good: the SDK stops. The demo starts a fresh, logged-out one.
  client.on('closed', function (info) {
    log('closed', 'the gateway ended the session (' + info.reason + '); starting a fresh one');
    showSession(null);
    start();
  });
  client.on('reconnect', function (info) {
    reconnects += 1;
    $('reconnects').textContent = String(reconnects);
    status('connected', 'connected');
    log('reconnect', info.restored ? 'resumed with the stored key' : 'key refused: fresh session');
  });

  function run(button, action) {
    $(button).addEventListener('click', function () {
      action().catch(function (err) {
        log('error', (err.code || 'ERROR') + ': ' + err.message, 'error');
      });
    });
  }

  run('login', function () {
    return client.request('authenticateUserAccount', {
      credential: { username: $('username').value, password: $('password').value },
    }).then(function (reply) {
      var ok = reply.result && reply.result.user;
      log('login', ok ? 'logged in as ' + reply.result.user.ID : 'refused: wrong user or password', ok ? '' : 'error');
    });
  });
  run('logout', function () { return client.logout(); });
  run('find', function () {
    return client.request('findById', { theClassName: 'demo.Item', theClassId: $('objectId').value }).then(function (reply) {
      log('reply', 'findById answered by ' + reply.cn.split('.').pop());
    });
  });
  run('drop', function () { client.drop(); return Promise.resolve(); });

  function start() {
    client.connect().then(function (session) {
      status('connected', 'connected');
      showSession(session);
    }, function (err) {
      status('disconnected', 'cannot connect: ' + err.message);
    });
  }
  start();
  window.activeStackDemo = client;
})();
