/* Sandbox stand-in for the platform's /shared/merchant.js: defines EPayWidget with run, bind and
   create, opens the Payment Page as a modal (default), inside `target_element`, or by redirect
   (`redirect: true`), and relays the page's messages to the config's on… handlers. */
(function () {
  'use strict';
  var script = document.currentScript;
  var pageOrigin = script ? new URL(script.src, location.href).origin : location.origin;
  var DISPLAY_KEYS = { target_element: true, redirect: true };

  function query(config, frameMode) {
    var parts = [];
    Object.keys(config).forEach(function (key) {
      var value = config[key];
      if (typeof value === 'function' || DISPLAY_KEYS[key] || value === undefined || value === null) return;
      // As on the platform, every value goes through encodeURIComponent: an object becomes
      // "[object Object]" and its signature no longer verifies.
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(value));
    });
    // Added after signing; the page leaves both out of the signature check.
    parts.push('frame_mode=' + encodeURIComponent(frameMode));
    parts.push('_referrer=' + encodeURIComponent(location.origin));
    return parts.join('&');
  }

  function handlerName(message) {
    return 'on' + String(message).split('_').map(function (w) { return w.charAt(0).toUpperCase() + w.slice(1); }).join('');
  }

  function open(config, method) {
    var frameMode = config.redirect ? 'redirect' : (config.target_element ? 'iframe' : 'popup');
    var url = pageOrigin + '/payment?' + query(config, frameMode);
    if (frameMode === 'redirect') {
      if (String(method).toLowerCase() === 'post') {
        var form = document.createElement('form');
        form.method = 'post';
        form.action = pageOrigin + '/payment';
        new URLSearchParams(url.split('?')[1]).forEach(function (value, key) {
          var input = document.createElement('input');
          input.type = 'hidden';
          input.name = key;
          input.value = value;
          form.appendChild(input);
        });
        document.body.appendChild(form);
        form.submit();
      } else {
        location.assign(url);
      }
      return { close: function () {} };
    }

    // The frame and the dialog are named in the page's language, as screen readers announce them.
    var names = { kk: 'Төлем беті', ru: 'Платёжная страница', en: 'Payment Page' };
    var name = names[String(config.language_code || '').slice(0, 2).toLowerCase()] || names.ru;
    var iframe = document.createElement('iframe');
    iframe.src = url;
    iframe.title = name;
    iframe.setAttribute('allow', 'clipboard-write');
    iframe.style.border = '0';
    iframe.style.width = '100%';
    iframe.style.height = '620px';
    var container;
    if (frameMode === 'iframe') {
      container = document.getElementById(config.target_element);
      if (!container) throw new Error('EPayWidget: no element with id "' + config.target_element + '"');
      container.appendChild(iframe);
    } else {
      container = document.createElement('div');
      container.setAttribute('role', 'dialog');
      container.setAttribute('aria-modal', 'true');
      container.setAttribute('aria-label', name);
      container.setAttribute('data-epay-modal', '');
      var s = container.style;
      s.position = 'fixed'; s.inset = '0'; s.background = 'rgba(0,0,0,0.5)'; s.zIndex = '2147483647';
      s.display = 'flex'; s.alignItems = 'center'; s.justifyContent = 'center';
      var box = document.createElement('div');
      box.style.background = '#fff'; box.style.width = 'min(480px, 96vw)'; box.style.borderRadius = '8px';
      box.appendChild(iframe);
      container.appendChild(box);
      document.body.appendChild(container);
    }

    function close() {
      window.removeEventListener('message', onMessage);
      if (frameMode === 'iframe') iframe.remove(); else container.remove();
    }
    function onMessage(event) {
      if (event.origin !== pageOrigin || event.source !== iframe.contentWindow) return;
      var data = event.data || {};
      if (data.source !== 'epay-sandbox') return;
      var handler = config[handlerName(data.message)];
      if (typeof handler === 'function') handler(data.data);
      if (data.message === 'exit') close();
    }
    window.addEventListener('message', onMessage);
    return { close: close };
  }

  window.EPayWidget = {
    run: function (config, method) { return open(config, method || 'get'); },
    bind: function (buttonId, config, method) {
      var button = document.getElementById(buttonId);
      if (!button) throw new Error('EPayWidget: no element with id "' + buttonId + '"');
      button.addEventListener('click', function (event) { event.preventDefault(); open(config, method || 'get'); });
    },
    create: function (config, method) {
      var opened = null;
      return {
        run: function () { opened = open(config, method || 'get'); return opened; },
        destroy: function () { if (opened) opened.close(); opened = null; }
      };
    }
  };
})();
