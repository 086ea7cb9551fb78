-- expect: error: resnetc-limit: the spec runs longer than
while true do end
