/* Tell the server the browser's time zone (a cookie read by accounts.timezones), so times are
   shown in it for people who did not choose a zone of their own. Set once; a change of zone
   (travel) is picked up on the next page. */
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone || document.cookie.indexOf("tz=" + encodeURIComponent(zone)) !== -1) return;
  document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
})();
